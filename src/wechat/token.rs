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
    expires_in: u64,
}

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
        *cached = Some(CachedToken {
            token: token.clone(),
            refresh_after: Instant::now() + usable_lifetime(expires_in),
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
        let bytes = super::client::send(request, STABLE_TOKEN_PATH).await?;
        let response: TokenResponse = super::client::decode(STABLE_TOKEN_PATH, &bytes)?;
        if response.access_token.is_empty() {
            return Err(WechatError::Decode {
                endpoint: STABLE_TOKEN_PATH,
                path: "access_token".into(),
                message: "empty access_token".into(),
            });
        }
        Ok((Secret::new(response.access_token), response.expires_in))
    }
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
    }
}
