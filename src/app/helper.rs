//! The WebKit helper's preview process (the preview embedded in the window on X11, a window of
//! its own on Wayland, and the print dialog everywhere), driven so it can never block the window: commands go to a writer thread that owns the
//! process and its stdin, and its answers are read on their own thread and reported as events.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use crate::print::preview_window::{PreviewCommand, PreviewEvent, PreviewWindowProcess};
use crate::print::PrintError;

/// A helper window process; dropping it closes the window.
pub struct HelperWindow {
    commands: mpsc::Sender<PreviewCommand>,
    alive: Arc<AtomicBool>,
    pid: u32,
}

impl HelperWindow {
    /// Starts `program preview-window --stdin`; each line it answers goes to `on_event`, and
    /// `on_event(None)` when it has gone.
    pub fn spawn(
        program: impl Into<PathBuf>,
        on_event: impl Fn(Option<PreviewEvent>) + Send + 'static,
    ) -> Result<Self, PrintError> {
        Self::spawn_with(program, None, on_event)
    }

    /// [`Self::spawn`]; with `embed_in`, the preview shows inside that X11 window (the embedded
    /// preview: bounds, visibility, labels and zoom are sent as commands).
    pub fn spawn_with(
        program: impl Into<PathBuf>,
        embed_in: Option<u64>,
        on_event: impl Fn(Option<PreviewEvent>) + Send + 'static,
    ) -> Result<Self, PrintError> {
        let mut process = PreviewWindowProcess::spawn_with(program, embed_in)?;
        let pid = process.pid();
        let alive = Arc::new(AtomicBool::new(true));
        if let Some(stdout) = process.take_events() {
            let alive = alive.clone();
            std::thread::Builder::new()
                .name("preview-window-answers".into())
                .spawn(move || {
                    for line in std::io::BufReader::new(stdout).lines() {
                        let Ok(line) = line else { break };
                        match serde_json::from_str::<PreviewEvent>(&line) {
                            Ok(event) => on_event(Some(event)),
                            Err(e) => tracing::debug!("preview window said {line:?}: {e}"),
                        }
                    }
                    alive.store(false, Ordering::SeqCst);
                    on_event(None);
                })
                .map_err(|e| PrintError::Renderer {
                    message: format!("cannot start a thread: {e}"),
                })?;
        }
        let (commands, rx) = mpsc::channel::<PreviewCommand>();
        {
            let alive = alive.clone();
            std::thread::Builder::new()
                .name("preview-window-commands".into())
                .spawn(move || {
                    // A big label page can fill the pipe: only this thread ever waits on it.
                    while let Ok(command) = rx.recv() {
                        if process.send(&command).is_err() {
                            alive.store(false, Ordering::SeqCst);
                            break;
                        }
                    }
                    process.close();
                })
                .map_err(|e| PrintError::Renderer {
                    message: format!("cannot start a thread: {e}"),
                })?;
        }
        Ok(HelperWindow {
            commands,
            alive,
            pid,
        })
    }

    /// Queues a command; never waits.
    pub fn send(&self, command: PreviewCommand) {
        if self.commands.send(command).is_err() {
            self.alive.store(false, Ordering::SeqCst);
        }
    }

    /// Whether the process is still there (closed windows are started again when needed).
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }
}
