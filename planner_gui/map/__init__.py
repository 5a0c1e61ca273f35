"""The map: the canvas, one module per kind of drawn layer, symbology, legend, scale bar and tools."""
