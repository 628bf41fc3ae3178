"""The SQLite Store: connection, transactions, and the migrations registry features register into."""
