// Prints a stack config file with pa:images replaced by the locally built test images
// (images/<name>/TAG), everything else (encryption salt included) as it is.
// Usage: node setup/test-images-config.js Pulumi.<stack>.yaml images/
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const [stackFile, imagesDir] = process.argv.slice(2);
if (!stackFile || !imagesDir) {
    console.error("usage: node setup/test-images-config.js Pulumi.<stack>.yaml images/");
    process.exit(2);
}
const tag = (dir) => fs.readFileSync(path.join(imagesDir, dir, "TAG"), "utf8").trim();
const doc = yaml.load(fs.readFileSync(stackFile, "utf8"));
doc.config["pa:images"] = {
    postgres: tag("postgres-pgvector"),
    neo4j: tag("neo4j"),
    letta: tag("letta"),
    openWebui: tag("open-webui"),
    n8n: tag("n8n"),
    gateway: tag("gateway"),
    restic: tag("restic"),
    node: tag("node"),
    dockerCli: tag("docker-cli"),
};
process.stdout.write(yaml.dump(doc));
