// The layering rule (docs/architecture.md, "May import"). A file in a layer may import
// only the layers its table row lists, and no module specifier its row forbids. Every
// form a file can name a module is checked: static import and `import type`,
// `export ... from`, dynamic `import()`, `require()`, `import x = require()` and the
// type-level `import('x').T`; ESLint's no-restricted-imports sees only the first two.
// Relative specifiers are placed by path, so an import that does not resolve is still
// judged by where it points.
import { dirname, relative, resolve, sep } from 'node:path';

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep each runtime folder to the imports docs/architecture.md allows it' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layer: { type: 'string' },
          layers: { type: 'array', items: { type: 'string' } },
          mayImport: { type: 'array', items: { type: 'string' } },
          why: { type: 'string' },
          forbidden: {
            type: 'array',
            items: {
              type: 'object',
              properties: { pattern: { type: 'string' }, message: { type: 'string' } },
              required: ['pattern', 'message'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'layers', 'forbidden'],
        additionalProperties: false,
      },
    ],
    messages: {
      specifier: "'{{specifier}}' is not allowed here: {{reason}}",
      layer: "'{{specifier}}' is in {{target}}: {{layer}} may import only {{allowed}}{{why}}.",
    },
  },
  create(context) {
    const { root, layer, layers, mayImport, why, forbidden } = context.options[0];
    const patterns = forbidden.map(({ pattern, message }) => ({ regex: new RegExp(pattern), message }));
    // Longest first, so src-main/electron wins over src-main.
    const byDepth = [...layers].sort((a, b) => b.length - a.length);
    const layerOf = (path) =>
      byDepth.find((candidate) => path === candidate || path.startsWith(`${candidate}/`));

    /** @param {any} node a string literal naming a module */
    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const specifier = node.value;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        if (!layer || !mayImport) return;
        const target = relative(root, resolve(dirname(context.filename), specifier))
          .split(sep)
          .join('/');
        const targetLayer = layerOf(target);
        if (targetLayer && !mayImport.includes(targetLayer)) {
          const data = {
            specifier,
            target: targetLayer,
            layer,
            allowed: mayImport.join(', '),
            why: why ? ` (${why})` : '',
          };
          context.report({ node, messageId: 'layer', data });
        }
        return;
      }
      const rule = patterns.find(({ regex }) => regex.test(specifier));
      if (rule) context.report({ node, messageId: 'specifier', data: { specifier, reason: rule.message } });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node.moduleReference.expression);
      },
      TSImportType: (node) => check(node.source ?? node.argument?.literal),
    };
  },
};
