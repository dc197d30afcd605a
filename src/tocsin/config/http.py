"""`http_config` and `tls_config` blocks (prometheus/common's HTTPClientConfig), shared by all integrations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tocsin.config.types import ConfigModel, SecretField

__all__ = ["Authorization", "BasicAuth", "HTTPClientConfig", "OAuth2", "ProxyHeaders", "SigV4", "TLSConfig"]

TLSVersion = Literal["TLS10", "TLS11", "TLS12", "TLS13"]


class TLSConfig(ConfigModel):
    ca: str | None = None
    ca_file: str | None = None
    ca_ref: str | None = None
    cert: str | None = None
    cert_file: str | None = None
    cert_ref: str | None = None
    key: SecretField | None = None
    key_file: str | None = Field(None, repr=False)
    key_ref: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False
    min_version: TLSVersion | None = None
    max_version: TLSVersion | None = None

    @model_validator(mode="after")
    def _one_source_each(self) -> TLSConfig:
        for name in ("ca", "cert", "key"):
            given = [s for s in (name, f"{name}_file", f"{name}_ref") if getattr(self, s) not in (None, "")]
            if len(given) > 1:
                raise ValueError(f"at most one of {', '.join(given)} must be configured")
        if (self.cert or self.cert_file) and not (self.key or self.key_file):
            raise ValueError("exactly one of key or key_file must be configured when a client certificate is set")
        if (self.key or self.key_file) and not (self.cert or self.cert_file):
            raise ValueError("exactly one of cert or cert_file must be configured when a client key is set")
        return self


class BasicAuth(ConfigModel):
    username: str = ""
    username_file: str | None = Field(None, repr=False)
    username_ref: str | None = None
    password: SecretField | None = None
    password_file: str | None = Field(None, repr=False)
    password_ref: str | None = None

    @model_validator(mode="after")
    def _exclusive(self) -> BasicAuth:
        if self.username and self.username_file:
            raise ValueError("at most one of basic_auth username & username_file must be configured")
        if self.password is not None and self.password.get_secret_value() and self.password_file:
            raise ValueError("at most one of basic_auth password & password_file must be configured")
        return self


class Authorization(ConfigModel):
    type: str = "Bearer"
    credentials: SecretField | None = None
    credentials_file: str | None = Field(None, repr=False)
    credentials_ref: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Authorization:
        self.type = self.type.strip() or "Bearer"
        if self.type.lower() == "basic":
            raise ValueError('authorization type cannot be set to "basic", use "basic_auth" instead')
        if self.credentials is not None and self.credentials.get_secret_value() and self.credentials_file:
            raise ValueError("at most one of authorization credentials & credentials_file must be configured")
        return self


ProxyHeaders = dict[str, list[SecretField]]


class OAuth2(ConfigModel):
    client_id: str = ""
    client_secret: SecretField | None = None
    client_secret_file: str | None = Field(None, repr=False)
    client_secret_ref: str | None = None
    scopes: list[str] = Field(default_factory=list)
    token_url: str = ""
    endpoint_params: dict[str, str] = Field(default_factory=dict)
    tls_config: TLSConfig | None = None
    proxy_url: str | None = None
    no_proxy: str | None = None
    proxy_from_environment: bool = False
    proxy_connect_header: ProxyHeaders | None = None

    @model_validator(mode="after")
    def _check(self) -> OAuth2:
        if not self.client_id:
            raise ValueError("oauth2 client_id must be configured")
        has_secret = self.client_secret is not None and bool(self.client_secret.get_secret_value())
        if not has_secret and not self.client_secret_file and not self.client_secret_ref:
            raise ValueError("either oauth2 client_secret or client_secret_file must be configured")
        if has_secret and self.client_secret_file:
            raise ValueError("at most one of oauth2 client_secret & client_secret_file must be configured")
        if not self.token_url:
            raise ValueError("oauth2 token_url must be configured")
        return self


class HTTPClientConfig(ConfigModel):
    """Outgoing HTTP settings; bearer_token(_file) is folded into `authorization` as prometheus/common does."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    oauth2: OAuth2 | None = None
    bearer_token: SecretField | None = None
    bearer_token_file: str | None = Field(None, repr=False)
    proxy_url: str | None = None
    no_proxy: str | None = None
    proxy_from_environment: bool = False
    proxy_connect_header: ProxyHeaders | None = None
    tls_config: TLSConfig = Field(default_factory=TLSConfig)
    follow_redirects: bool = True
    enable_http2: bool = True
    http_headers: dict[str, dict[str, list[str]]] | None = None

    @model_validator(mode="after")
    def _check(self) -> HTTPClientConfig:
        has_token = self.bearer_token is not None and bool(self.bearer_token.get_secret_value())
        if has_token and self.bearer_token_file:
            raise ValueError("at most one of bearer_token & bearer_token_file must be configured")
        if (self.basic_auth or self.oauth2) and (has_token or self.bearer_token_file):
            raise ValueError("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
        if self.authorization is not None:
            if has_token or self.bearer_token_file:
                raise ValueError("authorization is not compatible with bearer_token & bearer_token_file")
            if self.basic_auth or self.oauth2:
                raise ValueError("at most one of basic_auth, oauth2 & authorization must be configured")
        else:
            if has_token:
                self.authorization = Authorization(credentials=self.bearer_token)
                self.bearer_token = None
            elif self.bearer_token_file:
                self.authorization = Authorization(credentials_file=self.bearer_token_file)
                self.bearer_token_file = None
        if self.oauth2 is not None and self.basic_auth is not None:
            raise ValueError("at most one of basic_auth, oauth2 & authorization must be configured")
        if self.proxy_connect_header and not self.proxy_url:
            raise ValueError("if proxy_connect_header is configured proxy_url must also be configured")
        if self.proxy_from_environment and (self.proxy_url or self.no_proxy):
            raise ValueError("if proxy_from_environment is configured, proxy_url and no_proxy must not be set")
        if self.no_proxy and not self.proxy_url:
            raise ValueError("if no_proxy is configured, proxy_url must also be configured")
        return self


class SigV4(ConfigModel):
    """AWS Signature V4 settings of sns_configs."""

    region: str | None = None
    access_key: str | None = Field(None, repr=False)
    secret_key: SecretField | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    use_fips_sts_endpoint: bool = False

    @model_validator(mode="after")
    def _check(self) -> SigV4:
        if bool(self.access_key) != bool(self.secret_key and self.secret_key.get_secret_value()):
            raise ValueError("must provide an AWS SigV4 access key and secret key if either is provided")
        return self
