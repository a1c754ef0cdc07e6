"""The procuratorate: supervision of civil proceedings."""
