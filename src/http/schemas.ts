// Schemas shared by several routes.
import Type from 'typebox'

export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'stable UPPER_SNAKE code', examples: ['VALIDATION_ERROR'] }),
    message: Type.String({ description: 'what went wrong, for humans' }),
  },
  { title: 'Error' },
)

/** The error answers every /api route can give, for validation-free documentation. */
export const apiErrors = {
  400: ErrorSchema,
  401: ErrorSchema,
  503: ErrorSchema,
}
