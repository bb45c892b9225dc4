// Sidecar entry: the row sanitizer (sync/row-sanitizer.ts) over one lane of tables.
import { RowSettings, sanitizeRows } from "../row-sanitizer";
import { TextSettings, textSanitizer } from "../text";
import { EXIT } from "../../platform/exitCodes";
import { finish, sidecarSettings } from "./runtime";

const settings = sidecarSettings<{ rows: RowSettings; text: TextSettings }>();
finish(sanitizeRows(settings.rows, (names) => textSanitizer({ ...settings.text, names })), (report) => {
    process.stderr.write(JSON.stringify(report) + "\n");
    process.exitCode = report.leaks.length > 0 ? EXIT.personalData : EXIT.ok;
});
