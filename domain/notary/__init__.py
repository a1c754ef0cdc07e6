"""The notary office's domain: notarial matters and their certificates."""
