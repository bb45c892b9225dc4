// Sidecar entry: the file archiver (sync/files-archiver.ts), over one app's data volume.
import { ARCHIVE_REPORT_PREFIX, ArchiveSettings, archive } from "../files-archiver";
import { TextSettings, textSanitizer } from "../text";
import { finish, sidecarSettings, syncKey } from "./runtime";

const settings = sidecarSettings<{ archive: ArchiveSettings; text?: TextSettings }>();
finish(archive(settings.archive, settings.text ? textSanitizer(settings.text, syncKey()) : undefined), (report) => {
    process.stderr.write(ARCHIVE_REPORT_PREFIX + JSON.stringify(report) + "\n");
});
