"""Services own the transactions: views and API parse input, call one service function, render."""
