"""The map's drawing of each kind of layer, one module per drawn kind over `base.LayerGraphic`."""
