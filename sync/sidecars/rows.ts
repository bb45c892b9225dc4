// Sidecar entry: the row sanitizer (sync/row-sanitizer.ts) over one lane of tables.
import { RowSettings, sanitizeRows } from "../row-sanitizer";
import { TextSettings, textSanitizer } from "../text";
import { EXIT } from "../../platform/exitCodes";
import { pseudonymFunctions } from "../session-sql";
import { finish, sidecarSettings, syncKey } from "./runtime";

const settings = sidecarSettings<{ rows: RowSettings; text: TextSettings }>();
const key = syncKey();
finish(sanitizeRows(settings.rows, pseudonymFunctions(key), (names) => textSanitizer({ ...settings.text, names }, key)), (report) => {
    process.stderr.write(JSON.stringify(report) + "\n");
    process.exitCode = report.leaks.length > 0 ? EXIT.personalData : EXIT.ok;
});
