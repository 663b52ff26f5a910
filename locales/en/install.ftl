# install words (en).
# The crash report offered on the next start. { $path } is the report file's full path.
crash-title = The app quit unexpectedly last time
crash-body = The app quit unexpectedly last time; the report is at { $path }
crash-more = ({ $count } more reports not looked at are in the same folder)
crash-hint = The report holds no secret or token. Attach this file when you contact support.
crash-open-folder = Open folder
crash-copy-path = Copy path
crash-path-copied = Path copied
crash-ignore = Ignore
