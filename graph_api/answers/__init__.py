"""The answers layer: reading a question (``analysis``), ranking candidate powers
(``ranking``) and assembling the answer to "who is responsible for X, under which law"
(``responsibility``). Speaks only the store interface."""
