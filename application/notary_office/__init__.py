"""The notary office's application: notarial matters, certificates, verification."""
