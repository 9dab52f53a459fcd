"""Local credentials for ``deploy.sh``: a CA, a TLS certificate for 127.0.0.1, SuperNode key pairs.

For a deployment on loopback only (development): the CA key stays in the output folder. The
SuperNode keys are P-384 EC pairs in OpenSSH format, what ``flwr supernode register`` and
``flower-supernode --auth-supernode-private-key`` expect.

    python -m edgenst.federated.creds --out DIR --supernodes 3
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "edgenst"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_credentials(out: Path, supernodes: int, days: int = 7) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    certs, keys = out / "certificates", out / "keys"
    certs.mkdir(parents=True, exist_ok=True)
    keys.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = (x509.CertificateBuilder().subject_name(_name("edgenst local CA")).issuer_name(_name("edgenst local CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    srv_key = ec.generate_private_key(ec.SECP384R1())
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                       x509.IPAddress(ipaddress.ip_address("::1"))])
    srv = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
           .public_key(srv_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
           .add_extension(san, critical=False).sign(ca_key, hashes.SHA256()))
    (certs / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (certs / "ca.key").write_bytes(_pem_key(ca_key))
    (certs / "server.pem").write_bytes(srv.public_bytes(serialization.Encoding.PEM))
    (certs / "server.key").write_bytes(_pem_key(srv_key))
    for i in range(supernodes):
        key = ec.generate_private_key(ec.SECP384R1())
        private = keys / f"supernode_{i}"
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                              serialization.NoEncryption()))
        private.chmod(0o600)
        (keys / f"supernode_{i}.pub").write_bytes(
            key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH))
    for p in (certs / "ca.key", certs / "server.key"):
        p.chmod(0o600)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--supernodes", type=int, default=2)
    args = ap.parse_args()
    if args.supernodes < 1:
        ap.error("--supernodes must be >= 1")
    make_credentials(args.out, args.supernodes)
    print(f"wrote {args.out}/certificates and {args.supernodes} SuperNode key pairs in {args.out}/keys")


if __name__ == "__main__":
    main()
