'use strict';
// Checks the SFDX source (salesforce/force-app) with Salesforce's own library, @salesforce/source-deploy-retrieve,
// the one `sf project deploy start` uses: every file must be well-formed XML where it is XML, must belong to a
// component the library recognises (or be forceignored), and the whole source must convert to the Metadata API
// format (what a deploy sends). Prints the component count by type; exits 1 with the reasons otherwise.
// No org, no network: it says the source is metadata Salesforce's tooling understands, not that an org accepts it.
//
//   node scripts/check_salesforce_source.js [force-app directory]   (default: salesforce/force-app)

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { XMLValidator } = require('fast-xml-parser');
const { ComponentSet, ForceIgnore, MetadataConverter } = require('@salesforce/source-deploy-retrieve');

function filesUnder(directory) {
  return fs
    .readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

// Every file a component is made of: its XML, its content (a bundle's files), and its children's (an object's
// fields). A decomposed type's content is just the folder of its children: anything else there is not claimed.
function filesOf(component) {
  const decomposed = component.type.strategies?.adapter === 'decomposed';
  const content = component.content && !decomposed ? [component.content, ...component.walkContent()] : [];
  return [component.xml, ...content, ...component.getChildren().flatMap(filesOf)].filter(Boolean);
}

function typeCounts(components) {
  const counts = new Map();
  const count = (component) => {
    counts.set(component.type.name, (counts.get(component.type.name) ?? 0) + 1);
    component.getChildren().forEach(count);
  };
  components.forEach(count);
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

function sourceApiVersion(sourceDir) {
  const project = JSON.parse(fs.readFileSync(path.join(path.dirname(sourceDir), 'sfdx-project.json'), 'utf8'));
  return project.sourceApiVersion;
}

async function check(sourceDir) {
  const problems = [];
  const files = filesUnder(sourceDir);
  const forceIgnore = ForceIgnore.findAndCreate(sourceDir);
  const considered = files.filter((file) => !forceIgnore.denies(file));

  for (const file of considered.filter((f) => f.endsWith('.xml'))) {
    const verdict = XMLValidator.validate(fs.readFileSync(file, 'utf8'));
    if (verdict !== true) {
      problems.push(`${file}: malformed XML, line ${verdict.err.line}: ${verdict.err.msg}`);
    }
  }

  let componentSet;
  let components;
  let claimed;
  try {
    componentSet = ComponentSet.fromSource(sourceDir);
    components = [...componentSet.getSourceComponents()];
    claimed = new Set(components.flatMap(filesOf).map((file) => path.resolve(file)));
  } catch (error) {
    return [...problems, `${error.name}: ${error.message}`];
  }
  // The project's API version, as a deploy would use it (without it the library asks the network for one).
  componentSet.sourceApiVersion = sourceApiVersion(sourceDir);
  componentSet.apiVersion = componentSet.sourceApiVersion;

  // The library skips silently a file that does not look like metadata at all; here that is a failure.
  for (const file of considered) {
    if (!claimed.has(path.resolve(file))) {
      problems.push(`${file}: not part of any metadata component Salesforce recognises`);
    }
  }
  if (components.length === 0) {
    problems.push(`${sourceDir}: no metadata components`);
  }
  if (problems.length > 0) {
    return problems;
  }

  const outputDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'salesforce-check-'));
  try {
    const result = await new MetadataConverter().convert(componentSet, 'metadata', {
      type: 'directory',
      outputDirectory,
      packageName: 'config-bridge',
      genUniqueDir: false,
    });
    const written = filesUnder(result.packagePath);
    if (!written.some((file) => path.basename(file) === 'package.xml') || written.length < 2) {
      problems.push(`conversion to the Metadata API format wrote no package (${written.length} files)`);
    }
  } catch (error) {
    problems.push(`conversion to the Metadata API format failed: ${error.name}: ${error.message}`);
  } finally {
    fs.rmSync(outputDirectory, { recursive: true, force: true });
  }
  if (problems.length === 0) {
    console.log(`${path.relative(process.cwd(), sourceDir) || '.'}: ${considered.length} files, all recognised; converts to the Metadata API format`);
    for (const [type, count] of typeCounts(components)) {
      console.log(`  ${type.padEnd(24)} ${count}`);
    }
  }
  return problems;
}

const sourceDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'salesforce', 'force-app'));
check(sourceDir).then(
  (problems) => {
    for (const problem of problems) {
      console.error(problem);
    }
    process.exitCode = problems.length === 0 ? 0 : 1;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
