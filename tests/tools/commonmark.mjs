// Renders Markdown from standard input to HTML with the CommonMark reference implementation.
import { Parser, HtmlRenderer } from "commonmark";

let input = "";
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(new HtmlRenderer().render(new Parser().parse(input)));
