"""Documents: rendering, issuing and storing PDF versions, their verification, and background batches."""
