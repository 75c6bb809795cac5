#!/bin/sh
# Test-only PKI for PayPal webhook signatures: a root, an intermediate, PayPal's signing leaf,
# and a forger's leaf with the same name under a root nobody trusts. Valid 2020–2120 so any test clock fits.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
dir = $tmp
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
: > "$tmp/index.txt"; echo 1000 > "$tmp/serial"
sign() { # csr issuer-cert issuer-key ext out
  openssl ca -batch -config "$tmp/ca.cnf" -in "$1" -cert "$2" -keyfile "$3" -extensions "$4" \
    -startdate 20200101000000Z -enddate 21200101000000Z -out "$5" -notext 2>/dev/null
}
root() { # name key cert
  openssl req -new -newkey rsa:2048 -nodes -keyout "$2" -subj "/O=Tessera tests/CN=$1" -out "$tmp/r.csr" 2>/dev/null
  openssl ca -batch -selfsign -config "$tmp/ca.cnf" -in "$tmp/r.csr" -keyfile "$2" -extensions v3_ca \
    -startdate 20200101000000Z -enddate 21200101000000Z -out "$3" -notext 2>/dev/null
}
csr() { openssl req -new -newkey rsa:2048 -nodes -keyout "$2" -subj "/O=Tessera tests/CN=$1" -out "$3" 2>/dev/null; }
root "Tessera Test Root CA" "$tmp/root.key" root-ca.pem
csr "Tessera Test Intermediate CA" "$tmp/int.key" "$tmp/int.csr"
sign "$tmp/int.csr" root-ca.pem "$tmp/root.key" v3_ca "$tmp/int.pem"
csr "messageverificationcerts.sandbox.paypal.com" paypal-leaf.key "$tmp/leaf.csr"
sign "$tmp/leaf.csr" "$tmp/int.pem" "$tmp/int.key" v3_leaf "$tmp/leaf.pem"
cat "$tmp/leaf.pem" "$tmp/int.pem" > paypal-chain.pem
root "Forger Root CA" "$tmp/forger.key" "$tmp/forger-root.pem"
csr "messageverificationcerts.paypal.com" forger-leaf.key "$tmp/forger-leaf.csr"
sign "$tmp/forger-leaf.csr" "$tmp/forger-root.pem" "$tmp/forger.key" v3_leaf "$tmp/forger-leaf.pem"
cat "$tmp/forger-leaf.pem" "$tmp/forger-root.pem" > forger-chain.pem
csr "www.example.com" other-leaf.key "$tmp/other.csr"
sign "$tmp/other.csr" "$tmp/int.pem" "$tmp/int.key" v3_leaf "$tmp/other-leaf.pem"
cat "$tmp/other-leaf.pem" "$tmp/int.pem" > other-name-chain.pem
