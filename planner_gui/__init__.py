"""The Qt desktop application: a thin view over the `layers` model."""
