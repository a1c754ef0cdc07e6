"""The mediation center's application: filing, acts on cases and agreements, spreadsheet intake."""
