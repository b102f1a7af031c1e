"""The encrypted keystore in the output repository (``.fabgitops/keystore/``).

Certificates are kept in clear, private keys and generated credentials as age files; see
:mod:`fabgitops.keystore.ledger` for reuse and retirement, :mod:`.identity` for which age
identity opens it.
"""
