/** Minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF; reports the line each record starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function* readDelimited(text: string, delimiter: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let fieldStarted = false;
    for (; i < n; i++) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else inQuotes = false;
        } else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (c === '"' && !fieldStarted) {
        inQuotes = true;
        fieldStarted = true;
      } else if (c === delimiter) {
        fields.push(field);
        field = '';
        fieldStarted = false;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else {
        field += c;
        fieldStarted = true;
      }
    }
    fields.push(field);
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    yield { line: startLine, fields };
  }
}
