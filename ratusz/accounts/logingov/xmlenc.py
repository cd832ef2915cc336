"""XML Encryption 1.1 as the node uses it for assertions (domain.md §6.1).

Key agreement ECDH-ES on P-256 → ConcatKDF (SHA-256) → AES key wrap of the content key
→ AES-GCM content (12-byte IV, 16-byte tag). xmlsec1 1.2 (Debian 12) has no ECDH-ES, so
the steps are composed from the `cryptography` library's primitives; nothing here is
hand-made cryptography. The ConcatKDF OtherInfo is the concatenation of the hex
AlgorithmID, PartyUInfo and PartyVInfo attributes as the node sends them (as the
reference integration django-logingovpl decodes them).

`encrypt_element` is the node's side; the simulator uses it.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)
from lxml import etree

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"
DSIG11 = "http://www.w3.org/2009/xmldsig11#"
ECDH_ES = XENC11 + "ECDH-ES"
CONCAT_KDF = XENC11 + "ConcatKDF"
P256 = "urn:oid:1.2.840.10045.3.1.7"
KEY_WRAP = {XENC + "kw-aes128": 16, XENC + "kw-aes192": 24, XENC + "kw-aes256": 32}
CONTENT = {XENC11 + "aes128-gcm": 16, XENC11 + "aes192-gcm": 24, XENC11 + "aes256-gcm": 32}
NS = {"xenc": XENC, "xenc11": XENC11, "ds": DS, "dsig11": DSIG11}


class DecryptionError(Exception):
    """The encrypted element cannot be opened with our key (or was altered)."""


def _one(node, path: str):
    found = node.find(path, NS)
    if found is None:
        raise DecryptionError(f"missing {path}")
    return found


def decrypt_element(encrypted_data: etree._Element, private_key_pem: bytes) -> bytes:
    """The plaintext XML of an `xenc:EncryptedData` (ECDH-ES, AES-KW, AES-GCM)."""
    private_key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise DecryptionError("the encryption key is not an EC key")
    content_method = _one(encrypted_data, "xenc:EncryptionMethod").get("Algorithm")
    if content_method not in CONTENT:
        raise DecryptionError(f"unsupported content encryption {content_method}")
    encrypted_key = encrypted_data.find(".//xenc:EncryptedKey", NS)
    if encrypted_key is None:
        raise DecryptionError("missing EncryptedKey")
    wrap_method = _one(encrypted_key, "xenc:EncryptionMethod").get("Algorithm")
    if wrap_method not in KEY_WRAP:
        raise DecryptionError(f"unsupported key wrap {wrap_method}")
    agreement = _one(encrypted_key, "ds:KeyInfo/xenc:AgreementMethod")
    if agreement.get("Algorithm") != ECDH_ES:
        raise DecryptionError("unsupported key agreement")
    derivation = _one(agreement, "xenc11:KeyDerivationMethod")
    if derivation.get("Algorithm") != CONCAT_KDF:
        raise DecryptionError("unsupported key derivation")
    params = _one(derivation, "xenc11:ConcatKDFParams")
    digest = params.find("ds:DigestMethod", NS)
    if digest is not None and digest.get("Algorithm") != XENC + "sha256":
        raise DecryptionError("unsupported ConcatKDF digest")
    try:
        other_info = binascii.unhexlify("".join(
            params.get(name, "") for name in ("AlgorithmID", "PartyUInfo", "PartyVInfo")))
        point = base64.b64decode(_one(
            agreement, "xenc:OriginatorKeyInfo/ds:KeyValue/dsig11:ECKeyValue/dsig11:PublicKey"
        ).text or "")
        peer = ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, point)
        shared = private_key.exchange(ec.ECDH(), peer)
        kek = ConcatKDFHash(algorithm=hashes.SHA256(), length=KEY_WRAP[wrap_method],
                            otherinfo=other_info).derive(shared)
        wrapped = base64.b64decode(_one(encrypted_key, "xenc:CipherData/xenc:CipherValue").text
                                   or "")
        content_key = aes_key_unwrap(kek, wrapped)
        blob = base64.b64decode(_one(encrypted_data, "xenc:CipherData/xenc:CipherValue").text
                                or "")
        if len(blob) < 12 + 16 or len(content_key) != CONTENT[content_method]:
            raise DecryptionError("malformed cipher data")
        return AESGCM(content_key).decrypt(blob[:12], blob[12:], None)
    except DecryptionError:
        raise
    except (InvalidUnwrap, ValueError, TypeError, binascii.Error) as error:
        raise DecryptionError(f"cannot decrypt: {type(error).__name__}") from error
    except Exception as error:  # cryptography's InvalidTag and friends
        raise DecryptionError(f"cannot decrypt: {type(error).__name__}") from error


def encrypt_element(plaintext: bytes, recipient_cert_pem: bytes) -> etree._Element:
    """An `xenc:EncryptedData` for the holder of the certificate's EC key (the node's
    side of `decrypt_element`)."""
    recipient = x509.load_pem_x509_certificate(recipient_cert_pem)
    public_key = recipient.public_key()
    ephemeral = ec.generate_private_key(public_key.curve)
    shared = ephemeral.exchange(ec.ECDH(), public_key)
    algorithm_id, party_u, party_v = "00" + (XENC + "kw-aes256").encode().hex(), "00", "00"
    kek = ConcatKDFHash(algorithm=hashes.SHA256(), length=32,
                        otherinfo=binascii.unhexlify(algorithm_id + party_u + party_v)
                        ).derive(shared)
    content_key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    blob = iv + AESGCM(content_key).encrypt(iv, plaintext, None)

    E = etree.SubElement  # noqa: N806
    data = etree.Element(f"{{{XENC}}}EncryptedData", nsmap={"xenc": XENC, "ds": DS,
                                                            "xenc11": XENC11,
                                                            "dsig11": DSIG11},
                         Type=XENC + "Element")
    E(data, f"{{{XENC}}}EncryptionMethod", Algorithm=XENC11 + "aes256-gcm")
    key_info = E(data, f"{{{DS}}}KeyInfo")
    encrypted_key = E(key_info, f"{{{XENC}}}EncryptedKey")
    E(encrypted_key, f"{{{XENC}}}EncryptionMethod", Algorithm=XENC + "kw-aes256")
    agreement = E(E(encrypted_key, f"{{{DS}}}KeyInfo"), f"{{{XENC}}}AgreementMethod",
                  Algorithm=ECDH_ES)
    derivation = E(agreement, f"{{{XENC11}}}KeyDerivationMethod", Algorithm=CONCAT_KDF)
    params = E(derivation, f"{{{XENC11}}}ConcatKDFParams", AlgorithmID=algorithm_id,
               PartyUInfo=party_u, PartyVInfo=party_v)
    E(params, f"{{{DS}}}DigestMethod", Algorithm=XENC + "sha256")
    ec_value = E(E(E(agreement, f"{{{XENC}}}OriginatorKeyInfo"), f"{{{DS}}}KeyValue"),
                 f"{{{DSIG11}}}ECKeyValue")
    E(ec_value, f"{{{DSIG11}}}NamedCurve", URI=P256)
    E(ec_value, f"{{{DSIG11}}}PublicKey").text = base64.b64encode(
        ephemeral.public_key().public_bytes(serialization.Encoding.X962,
                                            serialization.PublicFormat.UncompressedPoint)
    ).decode()
    recipient_info = E(E(agreement, f"{{{XENC}}}RecipientKeyInfo"), f"{{{DS}}}X509Data")
    E(recipient_info, f"{{{DS}}}X509Certificate").text = base64.b64encode(
        recipient.public_bytes(serialization.Encoding.DER)).decode()
    E(E(encrypted_key, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue").text = \
        base64.b64encode(aes_key_wrap(kek, content_key)).decode()
    E(E(data, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue").text = \
        base64.b64encode(blob).decode()
    return data
