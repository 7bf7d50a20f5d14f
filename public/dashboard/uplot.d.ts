// The types of /dashboard/uplot.js, which the server serves from node_modules/uplot.
export { default } from 'uplot'
