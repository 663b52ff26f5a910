//! The access_token: fetched through `stable_token` (or a company token service), cached with a
//! safety margin, and refreshed by one request at a time however many calls are waiting.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use super::error::WechatError;
use super::types::Secret;

/// Where access tokens come from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `POST /cgi-bin/stable_token` with the AppID and AppSecret.
    AppSecret { appid: String, secret: Secret },
    /// The company's own token service: `GET url` answers `{access_token, expires_in}`, so the
    /// station never holds the AppSecret.
    TokenService { url: Url },
}

#[derive(Serialize)]
struct StableTokenRequest<'a> {
    grant_type: &'static str,
    appid: &'a str,
    secret: &'a str,
    /// Never set automatically: forcing logs every other station sharing the AppID out.
    force_refresh: bool,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds, as the server says; clamped by [`clamp_expires_in`] before it meets a clock.
    #[serde(deserialize_with = "any_integer")]
    expires_in: i128,
}

/// The longest lifetime believed: WeChat's tokens live 7,200 s; a server that says more (up to
/// `u64::MAX`) is not trusted beyond that.
pub const MAX_EXPIRES_IN_S: u64 = 7_200;
/// The shortest lifetime assumed: a zero or negative `expires_in` would otherwise make every
/// call fetch a new token.
pub const MIN_EXPIRES_IN_S: u64 = 60;
/// The longest access_token accepted (WeChat's are about 150 characters); it rides in every URL.
const MAX_TOKEN_LEN: usize = 2_048;

struct CachedToken {
    token: Secret,
    refresh_after: Instant,
}

/// A cached access_token with single-flight refresh.
pub struct TokenCache {
    source: TokenSource,
    cached: Mutex<Option<CachedToken>>,
}

/// The endpoint name used in errors and logs for the token call.
pub const STABLE_TOKEN_PATH: &str = "/cgi-bin/stable_token";

impl TokenCache {
    /// An empty cache over `source`.
    pub fn new(source: TokenSource) -> Self {
        TokenCache {
            source,
            cached: Mutex::new(None),
        }
    }

    /// The AppID, when the source has one.
    pub fn appid(&self) -> Option<&str> {
        match &self.source {
            TokenSource::AppSecret { appid, .. } => Some(appid),
            TokenSource::TokenService { .. } => None,
        }
    }

    /// A valid token, fetching one if none is cached or the cached one is near its end. The
    /// lock is held across the fetch on purpose: callers that arrive meanwhile wait for this
    /// one refresh instead of starting their own.
    pub async fn get(&self, http: &reqwest::Client, base: &Url) -> Result<Secret, WechatError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if Instant::now() < c.refresh_after {
                return Ok(c.token.clone());
            }
        }
        let (token, expires_in) = self.fetch(http, base).await?;
        let now = Instant::now();
        *cached = Some(CachedToken {
            token: token.clone(),
            // Checked: the lifetime is clamped already, but an Instant must never panic.
            refresh_after: now.checked_add(usable_lifetime(expires_in)).unwrap_or(now),
        });
        tracing::debug!(expires_in, "access_token refreshed");
        Ok(token)
    }

    /// Forgets `stale` after WeChat rejected it. A token that was already replaced by another
    /// caller is left alone, so a burst of rejections causes one refresh, not many.
    pub async fn invalidate(&self, stale: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == stale) {
            *cached = None;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        base: &Url,
    ) -> Result<(Secret, u64), WechatError> {
        let request = match &self.source {
            TokenSource::AppSecret { appid, secret } => {
                let url = super::client::join(base, STABLE_TOKEN_PATH)?;
                http.post(url).json(&StableTokenRequest {
                    grant_type: "client_credential",
                    appid,
                    secret: secret.expose(),
                    force_refresh: false,
                })
            }
            TokenSource::TokenService { url } => http.get(url.clone()),
        };
        let bytes = super::client::send(
            request,
            STABLE_TOKEN_PATH,
            super::client::DEFAULT_BODY_CAP_BYTES,
        )
        .await?;
        let response: TokenResponse = super::client::decode(STABLE_TOKEN_PATH, &bytes)?;
        let bad_token = |message: &str| WechatError::Decode {
            endpoint: STABLE_TOKEN_PATH,
            path: "access_token".into(),
            message: message.into(),
        };
        if response.access_token.is_empty() {
            return Err(bad_token("empty access_token"));
        }
        if response.access_token.len() > MAX_TOKEN_LEN {
            return Err(bad_token("access_token is implausibly long"));
        }
        let expires_in = clamp_expires_in(response.expires_in);
        if u64::try_from(response.expires_in).ok() != Some(expires_in) {
            tracing::warn!(
                sent = %response.expires_in,
                used = expires_in,
                "the token server sent an expires_in outside {MIN_EXPIRES_IN_S}..={MAX_EXPIRES_IN_S} s; clamped"
            );
        }
        Ok((Secret::new(response.access_token), expires_in))
    }
}

/// A server's `expires_in` brought into `MIN_EXPIRES_IN_S..=MAX_EXPIRES_IN_S`.
fn clamp_expires_in(sent_s: i128) -> u64 {
    let clamped = sent_s.clamp(i128::from(MIN_EXPIRES_IN_S), i128::from(MAX_EXPIRES_IN_S));
    u64::try_from(clamped).unwrap_or(MAX_EXPIRES_IN_S)
}

/// Any JSON integer (negative or beyond `i64`, which the clamp then handles) or a string of
/// one; a fraction or anything else is a decode error.
fn any_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = i128;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number of seconds")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i128, E> {
            Ok(i128::from(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i128, E> {
            Ok(i128::from(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i128, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom("expires_in is not a whole number of seconds"))
        }
    }
    d.deserialize_any(V)
}

/// How long a token is used before it is refreshed: its lifetime less a margin (5 minutes for the
/// usual 2 hours, half the lifetime for very short ones) so a call never carries a token that
/// expires on the way.
fn usable_lifetime(expires_in_s: u64) -> Duration {
    let margin_s = if expires_in_s > 600 {
        300
    } else {
        expires_in_s / 2
    };
    Duration::from_secs(expires_in_s.saturating_sub(margin_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_keeps_tokens_short_of_expiry() {
        assert_eq!(usable_lifetime(7200), Duration::from_secs(6900));
        assert_eq!(usable_lifetime(60), Duration::from_secs(30));
        assert_eq!(usable_lifetime(0), Duration::ZERO);
        assert_eq!(
            usable_lifetime(u64::MAX),
            Duration::from_secs(u64::MAX - 300)
        );
    }

    #[test]
    fn hostile_lifetimes_are_clamped() {
        assert_eq!(clamp_expires_in(i128::from(u64::MAX)), MAX_EXPIRES_IN_S);
        assert_eq!(clamp_expires_in(7200), 7200);
        assert_eq!(clamp_expires_in(300), 300);
        assert_eq!(clamp_expires_in(0), MIN_EXPIRES_IN_S);
        assert_eq!(clamp_expires_in(-5), MIN_EXPIRES_IN_S);
        assert_eq!(clamp_expires_in(i128::from(i64::MIN)), MIN_EXPIRES_IN_S);
    }

    #[test]
    fn expires_in_reads_any_integer_but_not_fractions() {
        for (text, want) in [
            ("18446744073709551615", Some(i128::from(u64::MAX))),
            ("-7", Some(-7)),
            ("\"7200\"", Some(7200)),
            ("7.5", None),
            ("true", None),
        ] {
            let body = format!(r#"{{"access_token":"t","expires_in":{text}}}"#);
            let got = serde_json::from_str::<TokenResponse>(&body)
                .ok()
                .map(|r| r.expires_in);
            assert_eq!(got, want, "{text}");
        }
    }
}
