//! `login`, `logout`, `whoami`: the shop's credentials in the OS keychain. The secret is read
//! from stdin (without echo on a terminal), never from a flag, and never printed.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::APPSECRET_ENV;
use crate::credentials::{shown_url, CredentialSecret, CredentialStore, Credentials};
use crate::wechat::{ClientConfig, Lang, WechatClient, DEFAULT_API_BASE};

fn say(line: &str) -> std::io::Result<()> {
    writeln!(std::io::stdout().lock(), "{line}")
}

/// Runs a keychain call on a blocking thread (it talks D-Bus and may wait for an unlock prompt).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("the keychain call did not finish")
}

/// The AppSecret from stdin: prompted without echo on a terminal, else the first line.
fn read_secret(lang: Lang) -> anyhow::Result<String> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(if lang == Lang::ZhCn {
            "AppSecret(输入时不显示): "
        } else {
            "AppSecret (not shown while typing): "
        })
        .context("reading the AppSecret from the terminal")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the AppSecret from stdin")?;
        line
    };
    Ok(secret.trim().to_string())
}

pub(super) async fn login(
    data_dir: &Path,
    appid: Option<&str>,
    token_url: Option<&str>,
    api_base: Option<&url::Url>,
    no_verify: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let Some(appid) = appid else {
        anyhow::bail!("login needs the AppID: `waybill-desk login --appid wx...`");
    };
    let credentials = match token_url {
        Some(url) => Credentials::token_service(appid, url)?,
        None => Credentials::app_secret(appid, &read_secret(lang)?)?,
    };
    if !no_verify {
        verify(&credentials, api_base).await?;
    }
    let store = CredentialStore::new(data_dir);
    let account = blocking(move || store.save(&credentials)).await??;
    let what = match account.kind {
        crate::credentials::CredentialKind::AppSecret => "AppSecret",
        crate::credentials::CredentialKind::TokenService => "token service URL",
    };
    say(&if lang == Lang::ZhCn {
        format!(
            "ok    已登录 AppID {}:{what} 已存入 {}",
            account.appid,
            account.location()
        )
    } else {
        format!(
            "ok    logged in as AppID {}: the {what} is stored in {}",
            account.appid,
            account.location()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Fetches a token and makes one harmless read, so a typo is caught before it is stored. Only a
/// refusal of the token call itself means the credentials are wrong.
async fn verify(credentials: &Credentials, api_base: Option<&url::Url>) -> anyhow::Result<()> {
    let base = match api_base {
        Some(b) => b.clone(),
        None => url::Url::parse(DEFAULT_API_BASE)?,
    };
    let client = WechatClient::new(ClientConfig::new(base, credentials.token_source()))?;
    match client.logistics().couriers().await {
        Ok(_) => Ok(()),
        // Any failure of the token call (a redirect or an oversized answer included).
        Err(e) if e.is_token_failure() => {
            Err(anyhow::Error::new(e).context(
                "the credentials were not accepted (nothing was stored); check them, or pass --no-verify to store them without checking",
            ))
        }
        // The token was issued: the credentials are good even if this read is not allowed.
        Err(e) => {
            tracing::info!(error = %e, "credentials accepted; the check call itself failed");
            Ok(())
        }
    }
}

pub(super) async fn logout(data_dir: &Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let store = CredentialStore::new(data_dir);
    let account = store.account()?;
    let removed = blocking(move || store.delete()).await??;
    let zh = lang == Lang::ZhCn;
    match (removed, account) {
        (true, Some(account)) => say(&if zh {
            format!(
                "ok    已退出:AppID {} 的凭据已从 {} 删除",
                account.appid,
                account.location()
            )
        } else {
            format!(
                "ok    logged out: the credentials of AppID {} were removed from {}",
                account.appid,
                account.location()
            )
        })?,
        _ => say(if zh {
            "ok    本机没有登录,无需操作"
        } else {
            "ok    not logged in; nothing to remove"
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn whoami(
    data_dir: &Path,
    appid_flag: Option<&str>,
    json: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let zh = lang == Lang::ZhCn;
    let env_secret = crate::credentials::env_secret::env_secret().is_some();
    if let (Some(appid), true) = (appid_flag, env_secret) {
        if json {
            say(
                &json!({"appid": appid, "source": "environment", "secret_in": APPSECRET_ENV})
                    .to_string(),
            )?;
        } else {
            say(&format!(
                "AppID {appid}; AppSecret from the environment variable {APPSECRET_ENV} (not the keychain)"
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = CredentialStore::new(data_dir);
    let Some(account) = store.account()? else {
        if json {
            say(&json!({"appid": null, "source": "none"}).to_string())?;
        } else {
            say(if zh {
                "未登录:命令将使用内置沙箱(演示模式)。用 `waybill-desk login --appid ID` 登录"
            } else {
                "not logged in: commands use the embedded sandbox (demo mode). Log in with `waybill-desk login --appid ID`"
            })?;
        }
        return Ok(ExitCode::FAILURE);
    };
    // Ask the keychain too: the marker alone does not prove the secret is still there.
    let credentials = blocking(move || store.load()).await?;
    let credentials = match credentials {
        Ok(Some(c)) => c,
        Ok(None) => anyhow::bail!("not logged in"),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "AppID {} is set up, but its secret cannot be read from {}",
                account.appid,
                account.location()
            )))
        }
    };
    let (kind, detail) = match &credentials.secret {
        CredentialSecret::AppSecret(_) => ("app_secret", None),
        CredentialSecret::TokenService(url) => ("token_service", Some(shown_url(url))),
    };
    if json {
        say(
            &json!({"appid": account.appid, "source": "keychain", "kind": kind,
                    "token_service": detail, "location": account.location(),
                    "keyring_service": account.keyring_service})
            .to_string(),
        )?;
    } else {
        let what = match &detail {
            Some(url) => format!("token service {url} (its URL is kept in the keychain)"),
            None => "AppSecret".to_string(),
        };
        say(&format!(
            "AppID {}; {what} in {}",
            account.appid,
            account.location()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
