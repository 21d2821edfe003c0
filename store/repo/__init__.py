"""The only SQL: one module per topic, each a mixin of the Store front."""
