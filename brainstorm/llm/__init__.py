"""Model backends behind one small protocol (see `base`). Client libraries load lazily."""
