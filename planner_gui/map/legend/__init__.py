"""The legend: its entries (what the map shows, as data), its painter, and the widget over the map."""
