//! Windows and macOS: the print dialog through wry's `print()`; silent printing (WebView2
//! `ICoreWebView2_16::Print`, WKWebView print operations) is not built yet.

use super::error::PrintError;

/// The error a worker reports where silent printing is not available yet.
pub fn silent_printing_unsupported() -> PrintError {
    PrintError::Renderer {
        message: "silent printing is only available on Linux for now; use print with dialog".into(),
    }
}

/// Opens the system print dialog for the label shown in `webview`.
pub fn print_with_dialog(webview: &wry::WebView) -> Result<(), PrintError> {
    webview.print().map_err(|e| PrintError::Print {
        message: e.to_string(),
    })
}
