#!/bin/sh
# Generates the throw-away PKI the TLS tests use, into the directory given as $1:
#   ca.pem/ca.key              test CA
#   other_ca.pem               an unrelated CA (for "unknown CA")
#   server.pem/server.key      CN=localhost, SAN DNS:localhost + IP:127.0.0.1, serverAuth, by ca
#   server.der/server.key.der  the same in DER (PKCS#8 key)
#   server.enc.key             the server key as encrypted PKCS#8, password "tickwire"
#   client.pem/client.key      CN=tickwire test client, clientAuth, by ca
#   expired.pem/expired.key    like server, valid 2020-01-01 .. 2021-01-01 (via `openssl ca`)
#   future.pem/future.key      like server, valid 2090-01-01 .. 2091-01-01
# EC P-256 keys keep generation and handshakes fast. Needs only the openssl command.
set -eu
out=${1:?usage: make_test_certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat > ext.cnf <<'CNF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF

for ca in ca other_ca; do
    key $ca.key
    openssl req -new -x509 -key $ca.key -out $ca.pem -days 3650 -subj "/CN=tickwire test $ca" \
        -config ext.cnf -extensions ca_ext 2>/dev/null
done

leaf() { # name CN: key + CSR
    key $1.key
    openssl req -new -key $1.key -out $1.csr -subj "/CN=$2" 2>/dev/null
}

leaf server localhost
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile ext.cnf -extensions server_ext -out server.pem 2>/dev/null
leaf client "tickwire test client"
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile ext.cnf -extensions client_ext -out client.pem 2>/dev/null

openssl x509 -in server.pem -outform DER -out server.der
openssl pkcs8 -topk8 -nocrypt -in server.key -outform DER -out server.key.der
# 3DES: the PBES2 cipher mbedTLS 2.28 can decrypt (it lacks AES there); 3.6 reads it too.
openssl pkcs8 -topk8 -v2 des3 -passout pass:tickwire -in server.key -out server.enc.key

# Certificates with validity in the past / future: `openssl x509 -req` cannot set a start date,
# `openssl ca` can.
mkdir -p newcerts
: > index.txt
echo 1000 > serial
cat > ca.cnf <<CNF
[ca]
default_ca = tw
[tw]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF
cat ext.cnf >> ca.cnf
for c in expired:20200101000000Z:20210101000000Z future:20900101000000Z:20910101000000Z; do
    name=${c%%:*}; rest=${c#*:}; start=${rest%%:*}; end=${rest#*:}
    leaf $name localhost
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in $name.csr -out $name.pem \
        -startdate $start -enddate $end -extensions server_ext -notext 2>/dev/null
done
echo ok
