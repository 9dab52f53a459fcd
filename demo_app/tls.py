"""A self-signed certificate, so a phone on the LAN can open the camera.

Browsers expose ``getUserMedia`` only in a secure context: ``https://`` or ``localhost``. A phone
pointed at ``http://192.168.x.y`` gets no camera (photo upload still works). With ``--https`` the
demo serves a certificate made here for the bound address; the phone shows a warning once, and
after the person accepts it the page is a secure context. The key never leaves the cache folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from edgenst.errors import InputError


def lan_addresses() -> list[str]:
    """This machine's primary LAN address (the one a default route uses); no packet is sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))
        return [s.getsockname()[0]]
    except OSError:
        return []
    finally:
        s.close()


def self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` for ``host`` (plus localhost and the LAN address), made once per host."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise InputError("--https needs the 'cryptography' package (pip install cryptography), or pass "
                         "--cert and --key") from None

    names = {"localhost", "127.0.0.1", host, *lan_addresses()} - {"0.0.0.0", "::"}
    tag = host.replace(":", "_").replace("/", "_")
    cert_path, key_path = folder / f"demo-{tag}.crt", folder / f"demo-{tag}.key"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edgenst demo")])
    alt: list[x509.GeneralName] = []
    for n in sorted(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
