"""The procuratorate's records: supervision of civil proceedings."""
