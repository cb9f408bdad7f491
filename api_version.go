package quiltt

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// knownAPIVersions are the versions of Quiltt's API that its version
// upgrade guide lists (quiltt.dev): 2024-01-01, the oldest supported;
// 2025-04-01; 2026-04-01, the version the SDK's schema slice follows.
var knownAPIVersions = []string{"2024-01-01", "2025-04-01", "2026-04-01"}

// warnUnknownAPIVersion logs one warning when version, set by
// WithAPIVersion, is none of knownAPIVersions: a typo, or a version newer
// than the SDK. The version is still sent; Quiltt decides what it serves.
func warnUnknownAPIVersion(log *slog.Logger, version string) {
	if version == "" || slices.Contains(knownAPIVersions, version) {
		return
	}
	log.LogAttrs(context.Background(), slog.LevelWarn, "quiltt: WithAPIVersion: not a known API version; sending it anyway",
		slog.String("version", version),
		slog.String("known", strings.Join(knownAPIVersions, ", ")),
	)
}
