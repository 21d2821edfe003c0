"""The only SQL: one class per topic, each built with the Database, the context and its collaborators (store/store.py wires them)."""
