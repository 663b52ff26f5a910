//! Child-process hygiene: the environment every child of the app gets, and stopping a child
//! together with everything it started (WebKit's web and network processes).

use std::ffi::OsString;

/// Variables a child may need, by exact name: display, session bus, home, search path, print
/// server, log filter.
const KEEP_EXACT: &[&str] = &[
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "HOME",
    "USER",
    "LOGNAME",
    "PATH",
    "TMPDIR",
    "LANG",
    "LANGUAGE",
    "DBUS_SESSION_BUS_ADDRESS",
    "CUPS_SERVER",
    "WAYBILL_DESK_LOG",
    "RUST_BACKTRACE",
    "NO_AT_BRIDGE",
    "FONTCONFIG_FILE",
    "FONTCONFIG_PATH",
    "PULSE_SERVER",
    "LLVM_PROFILE_FILE",
];

/// Variables a child may need, by prefix: XDG base and session directories, locale categories,
/// GTK/GDK display settings, WebKit's and Mesa's rendering switches.
const KEEP_PREFIX: &[&str] = &["XDG_", "LC_", "GDK_", "GTK_THEME", "WEBKIT_", "LIBGL_"];

/// Words that mark a variable as secret whatever its prefix (checked without regard to case).
const SECRET_WORDS: &[&str] = &["SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "KEY"];

/// Whether a child gets the variable `name`: it is on the list and names no secret.
pub fn keeps(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if SECRET_WORDS.iter().any(|w| upper.contains(w)) {
        return false;
    }
    KEEP_EXACT.contains(&name) || KEEP_PREFIX.iter().any(|p| name.starts_with(p))
}

/// The environment for a child: this process's variables that [`keeps`] lets through.
pub fn child_env() -> Vec<(OsString, OsString)> {
    std::env::vars_os()
        .filter(|(name, _)| name.to_str().is_some_and(keeps))
        .collect()
}

/// Gives `command` only [`child_env`] (AppSecret and anything else secret stay behind). Every
/// spawn site calls this; for tokio's `Command` pass `command.as_std_mut()`. Variables set on
/// `command` afterwards are kept.
pub fn scrub_env(command: &mut std::process::Command) -> &mut std::process::Command {
    command.env_clear().envs(child_env())
}

/// The parent of a process, from `/proc/PID/stat` (Linux).
#[cfg(target_os = "linux")]
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "PID (comm) STATE PPID ...": comm may hold spaces and parentheses; the last ')' ends it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Every living descendant of `pid` (children, grandchildren, ...), from `/proc` (Linux; empty
/// elsewhere).
pub fn descendants(pid: u32) -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let parents: Vec<(u32, u32)> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|p| Some((p, parent_of(p)?)))
            .collect();
        let mut found = vec![pid];
        let mut i = 0;
        while i < found.len() {
            let parent = found[i];
            let children: Vec<u32> = parents
                .iter()
                .filter(|&&(p, pp)| pp == parent && !found.contains(&p))
                .map(|&(p, _)| p)
                .collect();
            found.extend(children);
            i += 1;
        }
        found.remove(0);
        found
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        Vec::new()
    }
}

/// Stops a child that runs in its own process group (spawned with `process_group(0)`), its
/// group, and every descendant that left the group (a sandbox may start a new session): the
/// group is frozen first so nothing new is started, then everything is killed. The caller
/// still reaps `pid` itself.
pub fn kill_tree(pid: u32) {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{kill_process, kill_process_group, Pid, Signal};
        let Some(group) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
            return;
        };
        let _ = kill_process_group(group, Signal::STOP);
        let tree = descendants(pid);
        for p in &tree {
            if let Some(p) = i32::try_from(*p).ok().and_then(Pid::from_raw) {
                let _ = kill_process(p, Signal::KILL);
            }
        }
        let _ = kill_process_group(group, Signal::KILL);
        if !tree.is_empty() {
            tracing::debug!(pid, descendants = ?tree, "stopped a child and its descendants");
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
    }
}

/// After a child in its own process group has exited: gives the processes it had started
/// (`started`, taken from [`descendants`] while it ran) `grace` to end by themselves, then kills
/// the group's remaining members and whatever of `started` is still running.
pub fn stop_leftovers(group: u32, started: &[u32], grace: std::time::Duration) {
    let deadline = std::time::Instant::now() + grace;
    while started.iter().any(|p| running(*p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{kill_process, kill_process_group, Pid, Signal};
        if let Some(g) = i32::try_from(group).ok().and_then(Pid::from_raw) {
            let _ = kill_process_group(g, Signal::KILL);
        }
        for p in started.iter().filter(|p| running(**p)) {
            if let Some(p) = i32::try_from(*p).ok().and_then(Pid::from_raw) {
                let _ = kill_process(p, Signal::KILL);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = group;
}

/// Whether a process is running: it exists and is not a zombie (Linux; elsewhere false).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s[s.rfind(')')? + 1..]
                .split_whitespace()
                .next()
                .map(|state| state != "Z")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_a_child_needs_and_no_secret() {
        for name in [
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "XDG_RUNTIME_DIR",
            "XDG_DATA_DIRS",
            "HOME",
            "PATH",
            "LANG",
            "LC_ALL",
            "LC_MESSAGES",
            "DBUS_SESSION_BUS_ADDRESS",
            "XAUTHORITY",
            "CUPS_SERVER",
            "WAYBILL_DESK_LOG",
            "WEBKIT_DISABLE_COMPOSITING_MODE",
        ] {
            assert!(keeps(name), "{name}");
        }
        for name in [
            "WAYBILL_DESK_APPSECRET",
            "WAYBILL_DESK_APPID",
            "WAYBILL_DESK_DATA_DIR",
            "XDG_ACTIVATION_TOKEN",
            "GITHUB_TOKEN",
            "LC_PASSWORD",
            "WEBKIT_secret",
            "AWS_SECRET_ACCESS_KEY",
            "SSH_AUTH_SOCK",
            "LD_PRELOAD",
            "GTK_MODULES",
            "http_proxy",
        ] {
            assert!(!keeps(name), "{name}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_and_kills_a_tree_in_its_group_and_outside_it() {
        use std::os::unix::process::CommandExt as _;
        // sh starts a sleep in its group and one in a new session (as a sandbox might).
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 300 & setsid sleep 301 & wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let tree = loop {
            let tree = descendants(pid);
            if tree.len() >= 2 || std::time::Instant::now() > deadline {
                break tree;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(tree.len(), 2, "{tree:?}");
        kill_tree(pid);
        child.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while tree.iter().any(|p| running(*p)) {
            assert!(std::time::Instant::now() < deadline, "{tree:?} survived");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
