"""Moving reference data in and out of the file: CSV import and export."""
