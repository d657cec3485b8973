package api

import (
	"path"
	"strings"
)

// fileTypes are the content types of served files by extension: the
// servlet container's table (Jetty's mime.properties) for the common
// ones, with Jenkins's own entries (core's web-fragment.xml: xml, log,
// war, ear, rar, webm). A fixed table, so that what a download is
// called does not depend on the machine's /etc/mime.types.
var fileTypes = map[string]string{
	"txt": "text/plain", "text": "text/plain", "log": "text/plain", "md": "text/markdown",
	"csv": "text/csv", "html": "text/html", "htm": "text/html", "css": "text/css",
	"js": "text/javascript", "mjs": "text/javascript", "json": "application/json",
	"xml": "application/xml", "xsl": "application/xml", "svg": "image/svg+xml",
	"png": "image/png", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg",
	"ico": "image/x-icon", "webp": "image/webp", "bmp": "image/bmp", "pdf": "application/pdf",
	"zip": "application/zip", "jar": "application/java-archive", "gz": "application/gzip",
	"tgz": "application/gzip", "tar": "application/x-tar", "bz2": "application/x-bzip2",
	"xz": "application/x-xz", "7z": "application/x-7z-compressed", "deb": "application/vnd.debian.binary-package",
	"rpm": "application/x-rpm", "war": "application/octet-stream", "ear": "application/octet-stream",
	"rar": "application/octet-stream", "exe": "application/octet-stream", "bin": "application/octet-stream",
	"class": "application/java-vm", "wasm": "application/wasm", "webm": "video/webm",
	"mp4": "video/mp4", "mp3": "audio/mpeg", "wav": "audio/x-wav", "yaml": "text/yaml", "yml": "text/yaml",
}

// contentTypeOf is the content type a file named name is served with:
// by its extension, text in UTF-8 (Jenkins adds the charset to every
// text/* type), else application/octet-stream.
func contentTypeOf(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	t, ok := fileTypes[ext]
	if !ok {
		return "application/octet-stream"
	}
	if strings.HasPrefix(t, "text/") {
		t += ";charset=UTF-8"
	}
	return t
}
