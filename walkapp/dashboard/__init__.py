"""Programme success criteria per year, housing organisation and estate."""
