"""Exports: GeoJSON, CSV/XLSX, photo archive, folium follow-up map and Open311 GeoReport v2."""
