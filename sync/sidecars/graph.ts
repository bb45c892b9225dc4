// Sidecar entry: the graph copier (sync/graph-copier.ts), between two scratch Neo4j servers.
import { CopierSettings, copyGraph } from "../graph-copier";
import { TextSettings, textSanitizer } from "../text";
import { finish, sidecarSettings, syncKey } from "./runtime";

const settings = sidecarSettings<{ copier: CopierSettings; text?: TextSettings }>();
finish(copyGraph(settings.copier, settings.text ? textSanitizer(settings.text, syncKey()) : undefined), (report) => {
    process.stdout.write(JSON.stringify(report) + "\n");
});
