"""Tools over the batch: `compare` explains one pair, `evaluate` scores clusters against labels."""
