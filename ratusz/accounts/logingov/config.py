"""Where login.gov.pl is and which keys we use with it: platform-wide (settings
LOGIN_GOV_*) or a gmina's own registration (`LoginGovSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from ratusz.accounts.logingov.keys import ensure_dev_keys

SSO_PATH = "/login/SingleSignOnService"
ARTIFACT_PATH = "/login-services/idpArtifactResolutionService"
SLO_PATH = "/login-services/singleLogoutService"


@dataclass(frozen=True)
class SpConfig:
    key: str  # "platform" or the gmina's slug
    sp_entity_id: str
    acs_url: str
    slo_url: str
    idp_entity_id: str
    sso_url: str
    artifact_url: str
    idp_slo_url: str
    idp_cert_pem: bytes
    sign_key_file: str
    sign_cert_file: str
    enc_key_file: str
    enc_cert_file: str
    loa: str

    @property
    def idp_origin(self) -> str:
        scheme, _, rest = self.sso_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    def enc_key_pem(self) -> bytes:
        return Path(self.enc_key_file).read_bytes()


class NotConfigured(Exception):
    pass


def _public(path: str) -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/") + path


def _read_cert(value: str) -> bytes:
    if value.strip().startswith("-----BEGIN"):
        return value.encode()
    path = Path(value)
    if not path.exists():
        raise NotConfigured(f"the node's certificate {value} is missing")
    return path.read_bytes()


def _build(key: str, *, sp_entity_id: str = "", idp_base: str = "", idp_entity_id: str = "",
           idp_cert: str = "", sign_key: str = "", sign_cert: str = "", enc_key: str = "",
           enc_cert: str = "", loa: str = "") -> SpConfig:
    key_dir = Path(settings.LOGIN_GOV_SP_KEY_DIR)
    if settings.LOGIN_GOV_DEV_KEYS:
        ensure_dev_keys(key_dir)
    base = (idp_base or settings.LOGIN_GOV_IDP_URL).rstrip("/")
    metadata = _public("/auth/login-gov/metadata/") + ("" if key == "platform"
                                                       else f"?gmina={key}")
    return SpConfig(
        key=key,
        sp_entity_id=sp_entity_id or settings.LOGIN_GOV_SP_ENTITY_ID or metadata,
        acs_url=_public("/auth/login-gov/acs/"),
        slo_url=_public("/auth/login-gov/slo/"),
        idp_entity_id=idp_entity_id or settings.LOGIN_GOV_IDP_ENTITY_ID or base,
        sso_url=base + SSO_PATH,
        artifact_url=base + ARTIFACT_PATH,
        idp_slo_url=base + SLO_PATH,
        idp_cert_pem=_read_cert(idp_cert or settings.LOGIN_GOV_IDP_CERT),
        sign_key_file=sign_key or str(key_dir / "sp-sign.key"),
        sign_cert_file=sign_cert or str(key_dir / "sp-sign.crt"),
        enc_key_file=enc_key or str(key_dir / "sp-enc.key"),
        enc_cert_file=enc_cert or str(key_dir / "sp-enc.crt"),
        loa=loa or settings.LOGIN_GOV_LOA,
    )


def config_for(municipality=None) -> SpConfig:
    """The gmina's own registration when it has an enabled one, else the platform's."""
    if not settings.LOGIN_GOV_ENABLED:
        raise NotConfigured("login.gov.pl is switched off")
    own = getattr(municipality, "login_gov_settings", None) if municipality else None
    if own is not None and own.enabled:
        return _build(municipality.slug, sp_entity_id=own.sp_entity_id,
                      idp_base=own.idp_base_url, idp_entity_id=own.idp_entity_id,
                      idp_cert=own.idp_certificate, sign_key=own.sp_signing_key_path,
                      sign_cert=own.sp_signing_cert_path, enc_key=own.sp_encryption_key_path,
                      enc_cert=own.sp_encryption_cert_path, loa=own.level_of_assurance)
    return _build("platform")


def config_by_key(key: str) -> SpConfig:
    if key == "platform":
        return config_for(None)
    from ratusz.core.models import Municipality

    municipality = Municipality.objects.filter(slug=key).first()
    if municipality is None:
        raise NotConfigured("unknown gmina")
    return config_for(municipality)


@lru_cache(maxsize=32)
def pysaml2_config(cfg: SpConfig):
    """pysaml2's view of us: used to sign with xmlsec1 and to write our metadata."""
    from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST
    from saml2.config import SPConfig as Saml2SpConfig

    conf = Saml2SpConfig()
    conf.load({
        "entityid": cfg.sp_entity_id,
        "key_file": cfg.sign_key_file,
        "cert_file": cfg.sign_cert_file,
        "encryption_keypairs": [{"key_file": cfg.enc_key_file, "cert_file": cfg.enc_cert_file}],
        "xmlsec_binary": settings.LOGIN_GOV_XMLSEC_BINARY,
        "name": "Ratusz",
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [(cfg.acs_url, BINDING_HTTP_ARTIFACT)],
                "single_logout_service": [(cfg.slo_url, BINDING_HTTP_POST)],
            },
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "name_id_format": ["urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"],
        }},
    })
    return conf
