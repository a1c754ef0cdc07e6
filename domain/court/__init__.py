"""The court's domain: litigation, judicial confirmation, enforcement, and the texts of its
rulings."""
