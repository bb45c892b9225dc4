// Which Neo4j properties hold what. The graph has no schema, so rules go by property key (and, for
// names, by the node's labels); every other string property is free text, and everything is scanned
// after sanitizing, so a key the rules do not know fails the sync instead of leaking.

export type GraphRule = "email" | "phone" | "name" | "firstName" | "lastName" | "text";

export interface GraphRules {
    /** Normalized keys (lower case, without `_`, `-`, spaces) whose whole value is an email. */
    emailKeys: readonly string[];
    phoneKeys: readonly string[];
    /** Normalized keys holding a person's name, on nodes with a person label only. */
    nameKeys: Readonly<Record<string, "name" | "firstName" | "lastName">>;
    /** Lower-case labels of nodes that stand for a person. */
    personLabels: readonly string[];
}

export const GRAPH_RULES: GraphRules = {
    emailKeys: ["email", "emailaddress", "mail", "useremail"],
    phoneKeys: ["phone", "phonenumber", "mobile", "mobilephone", "telephone", "tel", "cell", "fax"],
    nameKeys: {
        name: "name",
        fullname: "name",
        displayname: "name",
        firstname: "firstName",
        givenname: "firstName",
        lastname: "lastName",
        surname: "lastName",
        familyname: "lastName",
    },
    personLabels: ["person", "user", "contact", "human", "individual", "member", "customer", "employee", "author"],
};

/** The rule of one property. */
export function graphRule(rules: GraphRules, labels: readonly string[], key: string): GraphRule {
    const normalized = key.toLowerCase().replace(/[_\- ]/g, "");
    if (rules.emailKeys.includes(normalized)) return "email";
    if (rules.phoneKeys.includes(normalized)) return "phone";
    const nameRule = rules.nameKeys[normalized];
    if (nameRule && labels.some((label) => rules.personLabels.includes(label.toLowerCase()))) return nameRule;
    return "text";
}
