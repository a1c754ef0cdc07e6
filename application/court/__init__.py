"""The court's application: docketing, confirmation, litigation, enforcement."""
