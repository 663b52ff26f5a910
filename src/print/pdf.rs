//! Combining label PDFs into one file (one page per label), with poppler's `pdfunite`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::PrintError;
use super::process::scrub_env;

/// Writes `inputs` (in order) into `output` as one PDF; each page keeps its own size.
pub fn combine_pdfs(inputs: &[PathBuf], output: &Path) -> Result<(), PrintError> {
    let failed = |message: String| PrintError::Output {
        path: output.display().to_string(),
        message,
    };
    match inputs {
        [] => return Err(failed("no labels to put in it".into())),
        [single] => {
            return std::fs::copy(single, output)
                .map(|_| ())
                .map_err(|e| failed(e.to_string()))
        }
        _ => {}
    }
    let tmp = output.with_extension("pdf.part");
    let result = scrub_env(&mut Command::new("pdfunite"))
        .args(inputs)
        .arg(&tmp)
        .output()
        .map_err(|e| failed(format!("cannot run pdfunite (install poppler-utils): {e}")))?;
    if !result.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(format!(
            "pdfunite: {}",
            String::from_utf8_lossy(&result.stderr).trim()
        )));
    }
    std::fs::rename(&tmp, output).map_err(|e| failed(e.to_string()))
}
