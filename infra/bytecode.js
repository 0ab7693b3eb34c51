'use strict';

// Puts CPython 3.12 bytecode in the function's zip on every `serverless package` and `serverless deploy` (which
// packages), and on `serverless deploy function`: scripts/compile_package.py, run with the `python3.12` on PATH
// (the venv's, Makefile). Listed after serverless-python-requirements in serverless.yml, so that its hooks on the
// same events run first and the requirements are already in the zip (plugins' hooks run in the order listed).

const { execFileSync } = require('node:child_process');
const path = require('node:path');

class CompileBytecode {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.log = (utils && utils.log) || console.log;
    this.hooks = {
      'after:package:createDeploymentArtifacts': () => this.compile(),
      'after:deploy:function:packageFunction': () => this.compile(),
    };
  }

  artifacts() {
    const service = this.serverless.service;
    const paths = [service.package && service.package.artifact];
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      paths.push(fn.package && fn.package.artifact);
    }
    const serviceDir = this.serverless.serviceDir || this.serverless.config.servicePath;
    return [...new Set(paths.filter(Boolean).map((artifact) => path.resolve(serviceDir, artifact)))];
  }

  compile() {
    const artifacts = this.artifacts();
    if (artifacts.length === 0) {
      throw new this.serverless.classes.Error('compile bytecode: no packaged artifact found to compile');
    }
    const script = path.join(__dirname, '..', 'scripts', 'compile_package.py');
    const output = execFileSync('python3.12', [script, ...artifacts], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'] });
    this.log.notice ? this.log.notice(output.trim()) : this.log(output.trim());
  }
}

module.exports = CompileBytecode;
