/**
 * PDF: the text of each page, read offline by Mozilla's pdf.js (`pdfjs-dist`, legacy build for Node).
 * One section per page, its span the page number, so a citation can say "page 3". A PDF with no text layer (a scan) yields nothing; a damaged one a typed error.
 */
import { readFile } from "node:fs/promises";
import { CorruptFileError } from "../../errors.ts";
import { fileError } from "./lines.ts";
import type { Section } from "./section.ts";

interface TextItem {
  str?: string;
  hasEOL?: boolean;
}

export async function readPdfSections(path: string): Promise<Section[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw fileError(path, cause);
  }
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let document: Awaited<ReturnType<typeof getDocument>["promise"]>;
  try {
    document = await getDocument({
      data: new Uint8Array(bytes),
      useSystemFonts: false,
      isEvalSupported: false,
      verbosity: 0,
    }).promise;
  } catch (cause) {
    throw new CorruptFileError(`is not a readable PDF: ${(cause as Error).message}`, {
      path,
      cause,
      expected: "a PDF file",
    });
  }
  const sections: Section[] = [];
  try {
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      const text = (content.items as TextItem[])
        .map((item) => (item.str ?? "") + (item.hasEOL ? "\n" : ""))
        .join("")
        .replace(/[ \t]+/g, " ")
        .replace(/\n{3,}/g, "\n\n")
        .trim();
      if (text) sections.push({ text, context: "", span: { page: pageNumber } });
    }
  } finally {
    await document.destroy();
  }
  return sections;
}
