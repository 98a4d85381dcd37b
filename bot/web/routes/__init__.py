"""One module per area of the contract."""
