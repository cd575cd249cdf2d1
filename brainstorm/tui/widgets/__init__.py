"""Small widgets: attributes go down from the screens, messages come back up."""
